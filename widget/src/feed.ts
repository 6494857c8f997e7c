// The JSON shapes the edge's transcoder returns (proto field names, enums as names, int64 as
// strings, Duration as "1.5s", Timestamp as RFC 3339). Only the fields the widget reads.

export interface Span {
  text: string;
  emphasized?: boolean;
  relative_time?: string;
  live_count?: boolean;
}

export interface Notification {
  notification_id: string;
  campaign_id: string;
  variant_id: string;
  activity_id: string;
  title_spans: Span[];
  body_spans: Span[];
  footer_spans: Span[];
  accessible_text: string;
  cta_text: string;
  link_url: string;
  image_url: string;
  image_source: string;
  fallback_initials: string;
  verified: boolean;
  actor_visitor_hash: string;
  rating: number;
}

export interface DisplayRules {
  first_delay?: string;
  display_duration?: string;
  min_gap?: string;
  max_gap?: string;
  max_per_page?: number;
  max_per_session?: number;
  position?: string;
  mobile_position?: string;
  loop?: boolean;
  pause_on_hover?: boolean;
  hide_own_activity?: boolean;
  skip_seen_within?: string;
  show_close_button?: boolean;
  open_links_in_new_tab?: boolean;
}

export interface Variant {
  variant_id: string;
  weight: number;
  display_rules?: DisplayRules;
  notifications: Notification[];
}

export interface Campaign {
  campaign_id: string;
  type: string;
  experiment_id: string;
  holdout_basis_points: number;
  variants: Variant[];
  live_count_scope: string;
  min_live_count: number;
  once_per_visitor: boolean;
  valid_until?: string;
}

export interface Theme {
  preset: string;
  background_color: string;
  text_color: string;
  accent_color: string;
  corner_radius_px: number;
  font_family: string;
  shadow: boolean;
}

export interface LiveCounts {
  page_count: string | number;
  site_count: string | number;
}

export interface Site {
  site_id: string;
  locale: string;
  theme?: Theme;
  position: string;
  mobile_position: string;
  consent_mode: string;
  gdpr_country_codes: string[];
  holdout_basis_points: number;
  holdout_id: string;
  add_utm_to_links: boolean;
  utm_source: string;
  show_branding: boolean;
  live_updates_enabled: boolean;
  heartbeat_interval?: string;
}

export interface Feed {
  status: string;
  site: Site;
  campaigns: Campaign[];
  live_counts?: LiveCounts;
  cache?: { feed_version: string };
}

/** Milliseconds of a JSON Duration ("7s", "0.500s"); `dflt` when unset. */
export const ms = (d: string | undefined, dflt: number): number => (d ? parseFloat(d) * 1000 : dflt);

/** JSON Duration of milliseconds. */
export const dur = (m: number): string => (Math.max(0, m) / 1000).toFixed(3) + "s";

/** Display rules with the documented defaults (campaigns.proto) filled in. */
export function rules(r: DisplayRules = {}) {
  return {
    firstDelay: ms(r.first_delay, 3000),
    display: ms(r.display_duration, 7000),
    minGap: ms(r.min_gap, 12000),
    maxGap: ms(r.max_gap, 20000),
    perPage: r.max_per_page || 10,
    perSession: r.max_per_session ?? 30,
    position: r.position,
    mobilePosition: r.mobile_position,
    loop: r.loop ?? true,
    pauseOnHover: r.pause_on_hover ?? true,
    hideOwn: r.hide_own_activity ?? true,
    skipSeen: ms(r.skip_seen_within, 864e5),
    closeButton: r.show_close_button ?? true,
    newTab: r.open_links_in_new_tab ?? false,
  };
}
export type Rules = ReturnType<typeof rules>;
