// Where the edge is: the page's own origin when the edge serves the app at /app/.
declare global {
  interface Window {
    /** Set by tests or a hosting page when the edge is not this page's origin. */
    __SP_EDGE_URL__?: string;
  }
}

export const edgeUrl: string =
  window.__SP_EDGE_URL__ ?? (import.meta.env.VITE_EDGE_URL as string | undefined) ?? window.location.origin;
