// Times as the county reads them: Beijing time whatever the device's own time zone (a laptop or
// phone set to UTC, a browser abroad), in Chinese date order, 24-hour.
const ZONE = 'Asia/Shanghai'

/** `2026/11/30 08:15:42` in Beijing time; `empty` for none. */
export const beijingTime = (iso: string | null | undefined, empty = ''): string =>
  (iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: ZONE, hour12: false }) : empty)
/** `2026/11/30 08:15` in Beijing time. */
export const beijingMinute = (iso: string | null | undefined): string => (iso ? beijingTime(iso).slice(0, -3) : '')
/** `2026/11/30`, the Beijing day. */
export const beijingDay = (iso: string | null | undefined): string =>
  (iso ? new Date(iso).toLocaleDateString('zh-CN', { timeZone: ZONE }) : '')
/** `2026-11-30`, today's Beijing day (for date inputs and queries). */
export const beijingToday = (): string => new Date().toLocaleDateString('sv-SE', { timeZone: ZONE })
