// 参考数据维护 (identity /reference, county admin): villages and departments paged and sorted by the
// server; townships read-only from the division file; volunteer teams from the volunteer service.
import type { components, paths } from './schema/identity'
import { serviceClient, ok } from './http'
import { volunteer } from './clients'

const api = serviceClient<paths>('/identity')
type S = components['schemas']
export type VillageRow = S['VillageOut']
export type DepartmentRow = S['DepartmentOut']
export type NewVillage = S['VillageIn']
export type NewDepartment = S['DepartmentIn']
export interface Page<T> { items: T[]; total: number }
export interface ListQuery { page: number; page_size: number; sort: string; order: 'asc' | 'desc'; q?: string; township?: string }
export interface TownshipRow { code: string; name: string; population: number; villages: number }

export const villages = async (query: ListQuery) =>
  (await ok(api.GET('/reference/villages', { params: { query } }))) as unknown as Page<VillageRow>
export const addVillage = async (body: NewVillage) => ok(api.POST('/reference/villages', { body }))
export const setVillageActive = async (code: string, active: boolean) =>
  ok(api.PATCH('/reference/villages/{code}', { params: { path: { code } }, body: { active } }))
export const departments = async (query: ListQuery) =>
  (await ok(api.GET('/reference/departments', { params: { query } }))) as unknown as Page<DepartmentRow>
export const addDepartment = async (body: NewDepartment) => ok(api.POST('/reference/departments', { body }))
export const setDepartmentActive = async (code: string, active: boolean) =>
  ok(api.PATCH('/reference/departments/{code}', { params: { path: { code } }, body: { active } }))
export const townships = async () => (await ok(api.GET('/reference/townships'))) as unknown as Page<TownshipRow>
export const teams = async () => (await ok(volunteer.GET('/teams'))) as unknown as Record<string, unknown>[]
