// 志愿服务公开接口 (volunteer /public routes): reference data, 群众点单 and following it, volunteer sign-up.
import type { components } from './schema/volunteer'
import { volunteerPublic as api } from './clients'
import { ok } from './http'

type S = components['schemas']
export type Order = S['PublicRequestIn']
export type SignUp = S['PublicVolunteerIn']

export interface Option { value: string; label: string }
export interface Reference {
  county: { code: string; name: string }
  townships: { code: string; name: string; villages: { code: string; name: string }[] }[]
  departments: { code: string; name: string }[]
  specialties: Option[]
  urgencies: Option[]
}
export interface OrderView {
  id: string; status: string; status_label: string; category: string; category_label: string
  village_code: string; village_name: string | null
  submitted_at: string | null; approved_at: string | null; dispatched_at: string | null; accepted_at: string | null
  started_at: string | null; completed_at: string | null; rated_at: string | null; closed_at: string | null
}

export const reference = async () => (await ok(api.GET('/public/reference'))) as unknown as Reference
export const order = async (body: Order) => (await ok(api.POST('/public/requests', { body }))) as unknown as OrderView
export const follow = async (id: string) =>
  (await ok(api.GET('/public/requests/{request_id}', { params: { path: { request_id: id } } }))) as unknown as OrderView
export const signUp = async (body: SignUp) =>
  (await ok(api.POST('/public/volunteers', { body }))) as { id: string; township_name: string | null }
