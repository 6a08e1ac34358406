// 志愿者 (volunteer /volunteers): the station's list with hours (server-side paging and sorting) and the
// certificate (志愿服务记录证明) as PDF, opened by the browser with the session cookie.
import type { operations } from './schema/volunteer'
import { volunteer as api } from './clients'
import { ok } from './http'

export type ListQuery = NonNullable<operations['list_volunteers_volunteers_get']['parameters']['query']>
export type Sort = NonNullable<ListQuery['sort']>
export interface VolunteerRow {
  id: string; name: string; phone: string; township_code: string; skills: string[]; team_ids: string[]
  total_minutes: number; total_hours: string; personal_data_masked: boolean
}
export const list = async (query: ListQuery) =>
  (await ok(api.GET('/volunteers', { params: { query } }))) as unknown as { items: VolunteerRow[]; total: number }
export const certificatePdf = (volunteerId: string, start: string, end: string) =>
  `/volunteer/volunteers/${volunteerId}/certificate.pdf?${new URLSearchParams({ start, end })}`
