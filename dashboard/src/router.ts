// A tiny hash router: the edge serves /app/ as static files, so every screen lives behind "#/".
import { useEffect, useState } from "react";

export interface Route {
  parts: string[];
  query: URLSearchParams;
}

function current(): Route {
  const raw = window.location.hash.replace(/^#\/?/, "");
  const [path, qs] = raw.split("?", 2);
  return { parts: (path ?? "").split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(qs ?? "") };
}

export function navigate(path: string): void {
  window.location.hash = "#/" + path.replace(/^\//, "");
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const on = () => setRoute(current());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}

/** The last segment of a resource name ("organizations/o1/sites/s1" → "s1"). */
export const idOf = (name: string): string => name.slice(name.lastIndexOf("/") + 1);
