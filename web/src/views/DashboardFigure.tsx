// A chart with its caption and the table of its figures, for the dashboard and the review.
// The canvas is hidden from assistive technology: the table beside it holds the same
// numbers (it is made from the same spec), so a screen-reader or keyboard user reads them
// there; it scrolls on its own when long, reachable by keyboard.
import { useEffect, useRef } from 'preact/hooks';
import { draw, type ChartSpec, type DrawnChart } from '../charts';

const numbers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export function figureText(value: number | null, unit = ''): string {
  return value == null ? '—' : `${numbers.format(value)}${unit}`;
}

export function Figure({ id, caption, note, spec, header }: {
  id: string;
  caption: string;
  note?: string;          // what the figures count, under the caption
  spec: ChartSpec;
  header: string;         // the table's first column: what a category is ("Period", "Stage")
}) {
  const canvas = useRef<HTMLDivElement>(null);
  const chart = useRef<DrawnChart | null>(null);
  const empty = spec.categories.length === 0;
  useEffect(() => {
    if (empty) {
      chart.current?.dispose();
      chart.current = null;
    } else if (chart.current) {
      chart.current.update(spec);
    } else {
      chart.current = draw(canvas.current!, spec);
    }
  }, [spec]);
  useEffect(() => () => chart.current?.dispose(), []);

  return (
    <figure class="figure" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>
        <strong>{caption}</strong>
        {note ? <span class="muted"> — {note}</span> : null}
      </figcaption>
      {empty ? <p class="muted">Nothing in this range.</p> : null}
      <div class="chart" ref={canvas} hidden={empty} aria-hidden="true" />
      {empty ? null : (
        <div class="figures" tabIndex={0} role="region" aria-label={`${caption}: figures`}>
          <table id={`${id}-table`}>
            <caption class="visually-hidden">{caption}</caption>
            <thead>
              <tr>
                <th scope="col">{header}</th>
                {spec.series.map((s) => <th scope="col" key={s.name}>{s.name}</th>)}
              </tr>
            </thead>
            <tbody>
              {spec.categories.map((category, row) => (
                <tr key={category}>
                  <th scope="row">{category}</th>
                  {spec.series.map((s) => <td key={s.name}>{figureText(s.values[row], spec.unit)}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </figure>
  );
}
