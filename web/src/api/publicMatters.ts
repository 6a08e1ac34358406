// 信访事项公开查询 (petition /public routes): progress by receipt code; rating and 复查/复核 requests with
// the last 4 digits of the registered phone. Wrong answers are counted per code (423 when locked) and
// per address (429); the service's message says how long to wait.
import type { components } from './schema/petition'
import { petitionPublic as api } from './clients'
import { ok } from './http'

type S = components['schemas']
export type PublicRate = S['PublicRateIn']
export type PublicReason = S['PublicReasonIn']
export type Satisfaction = PublicRate['satisfaction']

/** The public view (`schemas.public_view`; the route returns a plain object). */
export interface PublicMatter {
  status: string; status_zh: string; kind_zh: string; category_zh: string; subcategory_zh: string
  registered_at: string; reply_due_on: string | null; reply_due_note: string | null
  timeline: { action: string; label_zh: string; status: string; at: string }[]
}

export const lookup = async (code: string) =>
  (await ok(api.GET('/public/matters/{lookup_code}', { params: { path: { lookup_code: code } } }))) as unknown as PublicMatter

export const rate = async (code: string, body: PublicRate) =>
  (await ok(api.POST('/public/matters/{lookup_code}/rating', { params: { path: { lookup_code: code } }, body }))) as unknown as PublicMatter

export const askReview = async (code: string, body: PublicReason) =>
  (await ok(api.POST('/public/matters/{lookup_code}/review', { params: { path: { lookup_code: code } }, body }))) as unknown as PublicMatter
