// Views fetched only when first shown (all but the desk and the case page; the dashboard and
// the review carry ECharts): the desk's first load and the main bundle never include them.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorNote } from './components';

export function lazyView<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let view: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  return function LazyView(props: P) {
    const [, setShown] = useState(false);
    const [error, setError] = useState<unknown>(null);
    useEffect(() => {
      if (view) return;
      loading ??= load();
      loading.then(
        (loaded) => {
          view = loaded;
          setShown(true);
        },
        (e) => {
          loading = null;  // asked again next time (e.g. after a new build was deployed)
          setError(new Error(`This view could not be loaded (${e instanceof Error ? e.message : e}); reload the page.`));
        },
      );
    }, []);
    if (view) {
      const View = view;
      return <View {...props} />;
    }
    return error ? <main><ErrorNote error={error} /></main> : <p aria-busy="true">Loading…</p>;
  };
}
