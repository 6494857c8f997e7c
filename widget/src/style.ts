// Styles of the Shadow DOM. `:host{all:initial}` keeps the page's styles out; the shadow root keeps
// ours in. Text never uses opacity (it would lower the contrast the server checked at 4.5:1).
export const CSS =
  ":host{all:initial}" +
  ".w{position:fixed;z-index:2147483647;margin:16px;width:360px;max-width:calc(100vw - 32px);font:14px/1.4 var(--f);color:var(--t)}" +
  ".bl{bottom:0;left:0}.br{bottom:0;right:0}.tl{top:0;left:0}.tr{top:0;right:0}" +
  ".bc,.tc{left:0;right:0;margin:16px auto}.bc{bottom:0}.tc{top:0}" +
  ".c{display:flex;gap:12px;align-items:center;padding:12px 40px 12px 12px;background:var(--b);border-radius:var(--r);box-shadow:var(--s);position:relative;opacity:0;transform:translateY(8px);transition:opacity .3s,transform .3s}" +
  ".c.on{opacity:1;transform:none}" +
  "a{color:inherit;text-decoration:none}.m{display:block;flex:1}p{margin:0}" +
  ".i{flex:none;width:48px;height:48px;border-radius:8px;object-fit:cover;display:grid;place-items:center;background:var(--a);color:var(--b);font-weight:700}" +
  ".av{border-radius:50%}em{font-style:normal;font-weight:700;color:var(--a)}" +
  ".f{font-size:12px}.v,.cta{color:var(--a);font-weight:600}" +
  ".x{position:absolute;top:6px;right:6px;width:28px;height:28px;border:0;border-radius:50%;background:none;color:inherit;font-size:20px;line-height:1;cursor:pointer}" +
  ":focus-visible{outline:2px solid var(--a);outline-offset:2px}" +
  ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
  "@media (prefers-reduced-motion:reduce){.c{transition:none;transform:none}}";

/** Preset colours [background, text, accent]; each text/background pair is above 4.5:1. */
export const PRESETS: Record<string, [string, string, string]> = {
  light: ["#ffffff", "#1f2328", "#0a58ca"],
  dark: ["#1f2328", "#f6f8fa", "#79b8ff"],
};
