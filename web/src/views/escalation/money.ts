// Money as the API keeps it: integer minor units of an ISO 4217 currency. The number of
// minor digits is the currency's (2 for USD, 0 for JPY), as the browser's Intl knows it.

export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency })
      .resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;  // a code Intl does not know: shown as a plain amount with cents
  }
}

export function money(minor: number, currency: string): string {
  const amount = minor / 10 ** minorDigits(currency);
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount.toFixed(minorDigits(currency))} ${currency}`;
  }
}

// The amount for a number input, in major units.
export function majorText(minor: number, currency: string): string {
  return (minor / 10 ** minorDigits(currency)).toFixed(minorDigits(currency));
}

// The amount of an <input type="number"> in minor units, null when blank. (The browser
// submits no form whose number input holds something else than a number.)
export function parseMajor(text: string, currency: string): number | null {
  return text.trim() ? Math.round(Number(text) * 10 ** minorDigits(currency)) : null;
}
