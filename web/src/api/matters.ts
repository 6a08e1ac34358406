// 信访事项 (petition /matters): registration with its receipt, the worklist, detail and the handling steps.
import type { components, operations } from './schema/petition'
import { petition as api } from './clients'
import { ok } from './http'

type S = components['schemas']
export type Register = S['RegisterIn']
export type Petitioner = S['PetitionerIn']
export type Receipt = S['ReceiptOut']
export type Assign = S['AssignIn']
export type ListQuery = NonNullable<operations['list_matters_matters_get']['parameters']['query']>

export interface MatterRow {
  id: string; channel: string; kind: string; category: string; subcategory: string; township_code: string
  village_code: string | null; headcount: number; is_group_visit: boolean; status: string; status_zh: string
  department: string | null; registered_at: string; open_due_at: string | null; repeat_of: string | null
  extension_request_days?: number | null; extension_request_reason?: string | null
  extension_requested_at?: string | null; supervisions?: number; return_count?: number
}
export interface ExtensionRequest { days: number; reason: string; requested_by: string; at: string }
export interface RepeatHit { id: string; status: string; status_zh: string; category: string; subcategory: string; township_code: string; registered_at: string }
export type RepeatHintQuery = S['RepeatHintIn']
export interface Deadline { kind: string; label_zh: string; due_at: string; last_day: string; met_on_time: boolean | null }
export interface Matter extends Omit<MatterRow, 'open_due_at'> {
  kind_zh: string; category_zh: string; subcategory_zh: string; content: string
  petitioners: { name: string; phone: string | null; is_representative: boolean }[]
  signed_by: string | null; reply_text: string | null; satisfaction: string | null
  deadlines: Deadline[]; allowed_actions: string[]; routing_mode: string | null
  alerts: { kind: string; level: 'approaching' | 'overdue'; due_at: string }[]
  extension: { days: number; reason: string; approved_by: string; at: string } | null
  extension_request: ExtensionRequest | null
}
export interface AuditEntry { at: string; actor: string; role: string; action: string; from: string; to: string; detail: unknown }
export type Labels = Record<'channel' | 'kind' | 'status' | 'category' | 'subcategory' | 'routing_mode' | 'satisfaction', Record<string, string>>

const id = (matterId: string) => ({ params: { path: { matter_id: matterId } } })

export const labels = async () => (await ok(api.GET('/labels'))) as unknown as Labels
export const register = async (body: Register) => ok(api.POST('/matters', { body }))
export const list = async (query: ListQuery) =>
  (await ok(api.GET('/matters', { params: { query } }))) as unknown as { total: number; items: MatterRow[] }
export const detail = async (matterId: string) => (await ok(api.GET('/matters/{matter_id}', id(matterId)))) as unknown as Matter
export const audit = async (matterId: string) =>
  (await ok(api.GET('/matters/{matter_id}/audit', id(matterId)))) as unknown as AuditEntry[]
export const assign = async (matterId: string, body: Assign) =>
  ok(api.POST('/matters/{matter_id}/assign', { ...id(matterId), body }))
export const accept = async (matterId: string) => ok(api.POST('/matters/{matter_id}/accept', id(matterId)))
export const reply = async (matterId: string, text: string) =>
  ok(api.POST('/matters/{matter_id}/reply', { ...id(matterId), body: { text } }))
// The department's 申请延期 and 退回 (异议), the leader's decision, the window's repeat hint.
export const requestExtension = async (matterId: string, days: number, reason: string) =>
  ok(api.POST('/matters/{matter_id}/extension-request', { ...id(matterId), body: { days, reason } }))
export const decideExtension = async (matterId: string, approve: boolean, note = '') =>
  ok(api.POST('/matters/{matter_id}/extension-request/decision', { ...id(matterId), body: { approve, note } }))
export const giveBack = async (matterId: string, reason: string) =>
  ok(api.POST('/matters/{matter_id}/objection', { ...id(matterId), body: { reason } }))
export const repeatHint = async (body: RepeatHintQuery) =>
  (await ok(api.POST('/repeat-hints', { body }))) as unknown as RepeatHit[]
// 复查/复核决定 (the county 信访 window records the leader's decision) and 督办 of an overdue matter.
export type ReviewOutcome = S['DecisionIn']['outcome']
export const decideReview = async (matterId: string, level: 'review' | 're_review', outcome: ReviewOutcome, opinion: string) =>
  level === 'review'
    ? ok(api.POST('/matters/{matter_id}/review/decision', { ...id(matterId), body: { outcome, opinion } }))
    : ok(api.POST('/matters/{matter_id}/re-review/decision', { ...id(matterId), body: { outcome, opinion } }))
export const supervise = async (matterId: string, note: string) =>
  ok(api.POST('/matters/{matter_id}/supervision', { ...id(matterId), body: { note } }))
