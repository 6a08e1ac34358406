// 账号管理 (identity /accounts): county admins manage every account, a township's manager its own.
import type { components, paths } from './schema/identity'
import { serviceClient, ok } from './http'

const api = serviceClient<paths>('/identity')
type S = components['schemas']
export type AccountRow = S['AccountAdminOut']
export type NewAccount = S['AccountIn']

export interface AccountPage { items: AccountRow[]; total: number }
export const list = async (page: number, pageSize: number) =>
  (await ok(api.GET('/accounts', { params: { query: { page, page_size: pageSize } } }))) as unknown as AccountPage
export const create = async (body: NewAccount) => ok(api.POST('/accounts', { body }))
export const setEnabled = async (id: string, enabled: boolean) =>
  ok(api.PATCH('/accounts/{account_id}', { params: { path: { account_id: id } }, body: { enabled } }))
export const resetPassword = async (id: string) =>
  ok(api.POST('/accounts/{account_id}/reset-password', { params: { path: { account_id: id } } }))
