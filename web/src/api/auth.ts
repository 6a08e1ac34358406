// 登录与会话 (identity /auth): sign-in sets the cookies (mq_access HttpOnly, mq_refresh, mq_csrf); the
// page keeps only the account it answered with.
import type { components } from './schema/identity'
import { serviceClient, ok } from './http'
import type { paths } from './schema/identity'

const api = serviceClient<paths>('/identity')
type S = components['schemas']
export type Account = S['AccountOut']
export type Login = S['LoginIn']
export type PasswordChange = S['PasswordIn']

export const login = async (body: Login) => (await ok(api.POST('/auth/login', { body }))).account
export const me = async () => ok(api.GET('/auth/me'))
export const changePassword = async (body: PasswordChange) => ok(api.POST('/auth/password', { body }))
export const logout = async () => { await api.POST('/auth/logout') }
