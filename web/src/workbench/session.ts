// The signed-in account (from /identity/auth/me or the sign-in answer) and the menu its role sees.
import { reactive } from 'vue'
import { ApiError } from '../api/http'
import * as auth from '../api/auth'

export type Role = auth.Account['role']
export const session = reactive<{ account: auth.Account | null; checked: boolean }>({ account: null, checked: false })

export async function loadSession(): Promise<auth.Account | null> {
  if (!session.checked) {
    try { session.account = await auth.me() } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403)) throw e
      session.account = null
    }
    session.checked = true
  }
  return session.account
}

/** Of the county's townships, those the signed-in account may act in (a township operator: their own). */
export function ownTownships<T extends { code: string }>(townships: readonly T[] | undefined): T[] {
  const account = session.account
  return (townships ?? []).filter((t) => account?.role !== 'township_operator' || t.code === account.township)
}

export async function signOut(): Promise<void> {
  try { await auth.logout() } finally { session.account = null; session.checked = true }
}

export interface MenuItem { path: string; title: string; roles: Role[] }
const ALL: Role[] = ['county_admin', 'county_supervisor', 'township_operator', 'department_handler', 'read_only']
export const MENU: MenuItem[] = [
  { path: '/petition/register', title: '信访登记', roles: ['county_admin', 'township_operator'] },
  { path: '/petition/worklist', title: '信访事项', roles: ['county_admin', 'county_supervisor', 'township_operator', 'read_only'] },
  { path: '/volunteer/board', title: '点单派单', roles: ['county_admin', 'township_operator'] },
  { path: '/petition/queues', title: '领导待办', roles: ['county_supervisor', 'county_admin'] },
  { path: '/volunteer/volunteers', title: '志愿者与时长', roles: ['county_admin', 'township_operator'] },
  { path: '/department/inbox', title: '部门待办', roles: ['department_handler'] },
  { path: '/safety/enterprises', title: '安全生产', roles: ['county_admin', 'township_operator'] },
  { path: '/safety/penalties', title: '处罚与关闭建议', roles: ['county_admin', 'township_operator'] },
  { path: '/safety/accidents', title: '事故报告', roles: ['county_admin', 'township_operator'] },
  { path: '/safety/follow-ups', title: '回头看', roles: ['county_admin', 'township_operator'] },
  { path: '/safety/suspensions', title: '停产整顿与复产', roles: ['county_admin', 'township_operator'] },
  { path: '/liaison/week', title: '驻村考勤', roles: ['county_admin', 'county_supervisor', 'township_operator', 'read_only'] },
  { path: '/liaison/unvisited', title: '本月未走访', roles: ['county_admin', 'county_supervisor', 'township_operator', 'read_only'] },
  { path: '/admin/accounts', title: '账号管理', roles: ['county_admin'] },
  { path: '/admin/reference', title: '参考数据', roles: ['county_admin'] },
  { path: '/dashboard', title: '全县驾驶舱', roles: ['county_admin', 'county_supervisor'] },
  { path: '/', title: '首页', roles: ALL },
]
export const menuFor = (role: Role | undefined) => MENU.filter((m) => role && m.roles.includes(role) && m.path !== '/')
export const ROLE_LABELS: Record<Role, string> = {
  county_admin: '县级管理员', county_supervisor: '县级督查', township_operator: '乡镇操作员',
  department_handler: '部门承办人', read_only: '只读',
}
