// Client-side routes on the History API: the server answers index.html for any
// non-API path, so a reload or a shared link lands on the same view.
import { useEffect, useState } from 'preact/hooks';

export function navigate(path: string) {
  if (path === location.pathname) return;
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    addEventListener('popstate', update);
    return () => removeEventListener('popstate', update);
  }, []);
  return path;
}

// A link that routes in the page (and still opens in a new tab with a modifier key).
export function onLinkClick(event: MouseEvent) {
  const anchor = event.currentTarget as HTMLAnchorElement;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
    return;
  }
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}
