// 微心愿 (volunteer /requests): the station's queue — 审单, 派单 (automatic or to a team), 接单 on a
// team's behalf, 评单 — and the teams.
import type { operations } from './schema/volunteer'
import { volunteer as api } from './clients'
import { ok } from './http'

export type ListQuery = NonNullable<operations['list_requests_requests_get']['parameters']['query']>
export type Status = NonNullable<ListQuery['status']>
export interface RequestRow {
  id: string; status: Status; status_label: string; category: string; village_code: string; township_code: string
  description: string; urgency: string; team_id: string | null; team_name?: string | null; team_level?: string | null; submitted_at: string; attempts: number
  allowed_actions: string[]; requester_name: string; requester_phone: string
}
export interface Team { id: string; name: string; level?: string; open_assignments?: number }

const id = (requestId: string) => ({ params: { path: { request_id: requestId } } })
export const list = async (query: ListQuery) =>
  (await ok(api.GET('/requests', { params: { query } }))) as unknown as { items: RequestRow[]; total: number }
export const teams = async () => (await ok(api.GET('/teams'))) as unknown as Team[]
export const approve = async (r: string) => ok(api.POST('/requests/{request_id}/approve', id(r)))
export const reject = async (r: string, reason: string) => ok(api.POST('/requests/{request_id}/reject', { ...id(r), body: { reason } }))
export const dispatch = async (r: string, teamId: string | null) =>
  ok(api.POST('/requests/{request_id}/dispatch', { ...id(r), body: { team_id: teamId } }))
export const accept = async (r: string, teamId: string) => ok(api.POST('/requests/{request_id}/accept', { ...id(r), body: { team_id: teamId } }))
export const rate = async (r: string, stars: number, comment: string) =>
  ok(api.POST('/requests/{request_id}/rate', { ...id(r), body: { stars, comment } }))
// The station's and the team's further steps (点单 on a villager's behalf, 拒单, 开始服务, 结单, 改派, detail).
export type Submit = operations['submit_requests_post']['requestBody']['content']['application/json']
export type Span = { volunteer_id: string; start: string; end: string }
export interface AuditRow { seq: number; action: string; actor: string; at: string; from_status: string | null; to_status: string | null; note: string | null }
export type RequestDetail = RequestRow & { audit: AuditRow[]; started_at: string | null; dispatched_at: string | null }
export const submit = async (body: Submit) => (await ok(api.POST('/requests', { body }))) as unknown as RequestRow
export const detail = async (r: string) => (await ok(api.GET('/requests/{request_id}', id(r)))) as unknown as RequestDetail
export const decline = async (r: string, teamId: string, reason: string) =>
  ok(api.POST('/requests/{request_id}/decline', { ...id(r), body: { team_id: teamId, reason } }))
export const start = async (r: string) => ok(api.POST('/requests/{request_id}/start', id(r)))
export const complete = async (r: string, spans: Span[]) => ok(api.POST('/requests/{request_id}/complete', { ...id(r), body: { spans } }))
export const redispatch = async (r: string, reason: string, teamId: string | null) =>
  ok(api.POST('/requests/{request_id}/redispatch', { ...id(r), body: { reason, team_id: teamId } }))
