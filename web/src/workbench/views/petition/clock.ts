// A statutory clock as days left: amber when near (≤ 5 days), red when overdue.
export const NEAR_DAYS = 5
const DAY = 86_400_000

export function daysLeft(due: string | null, now = Date.now()): number | null {
  return due ? Math.ceil((new Date(due).getTime() - now) / DAY) : null
}
export function clockTag(due: string | null): { text: string; type: 'success' | 'warning' | 'danger' | 'info' } {
  const d = daysLeft(due)
  if (d === null) return { text: '—', type: 'info' }
  if (d < 0) return { text: `超期 ${-d} 天`, type: 'danger' }
  if (d <= NEAR_DAYS) return { text: `剩 ${d} 天`, type: 'warning' }
  return { text: `剩 ${d} 天`, type: 'success' }
}
