// What the 安监 screens share: Chinese labels of the service's codes, the confirmation before an
// irreversible write, the screen's error line, the industry's checklist, Beijing date/time helpers, and the
// enterprise picker's data.
import { ElMessageBox } from 'element-plus'
import { computed, ref, type Ref } from 'vue'
import { safety } from '../../../api/clients'
import { ApiError, ok } from '../../../api/http'

export const INDUSTRY: Record<string, string> = { foundry: '铸造', open_pit_quarry: '露天矿山', hazardous_chemicals: '危险化学品', fireworks: '烟花爆竹', metallurgy: '冶金', construction: '建筑施工', other: '其他' }
export const STATUS: Record<string, string> = { operating: '正常生产', suspended: '停产停业整顿', closed: '已关闭' }
export const PERMIT: Record<string, string> = { valid: '有效', suspended: '暂扣', collected: '收缴', revoked: '吊销' }
export const HAZARD: Record<string, string> = { found: '待整改', rectification_reported: '已报整改', reinspection_failed: '复查未通过', penalised: '已处罚', closed: '已销号' }
export const LEVEL: Record<string, string> = { general: '一般隐患', major: '重大隐患' }
export const SIZE: Record<string, string> = { large: '大型', medium: '中型', small: '小型', micro: '微型' }
export const GRADE: Record<string, string> = { ordinary: '一般事故', larger: '较大事故', major: '重大事故', especially_major: '特别重大事故' }
export const TARGET: Record<string, string> = { unit: '单位', responsible_person: '责任人员' }

export type Row = Record<string, any>

/** The confirmation before an irreversible write; false when cancelled. */
export async function confirmIrreversible(text: string): Promise<boolean> {
  try {
    await ElMessageBox.confirm(`${text}此操作不可撤销。`, '确认操作', { confirmButtonText: '确认', cancelButtonText: '取消', type: 'warning' })
    return true
  } catch { return false }
}

/** `YYYY-MM-DDTHH:mm` from a datetime-local input, read as Beijing time. */
export const beijing = (local: string): string => (local ? `${local.length === 16 ? local + ':00' : local}+08:00` : '')
/** Now (minus a second, so the service never sees the future) as a datetime-local value in Beijing time. */
export function nowLocal(offsetMinutes = 0): string {
  const t = new Date(Date.now() - 1000 + offsetMinutes * 60_000 + 8 * 3600_000)
  return t.toISOString().slice(0, 16)
}
export { beijingDay as day, beijingMinute as minute } from '../../../api/time'

/** Enterprises the signed-in account may see (for pickers), optionally of one status. */
export async function enterpriseOptions(status?: 'operating' | 'suspended' | 'closed'): Promise<Row[]> {
  const page = await ok(safety.GET('/enterprises', { params: { query: { page_size: 100, sort: 'name', ...(status ? { status } : {}) } } })) as Row
  return page.items
}

/** The screen's one error line, and `fail` for a catch: a refusal's message there, and its field messages
 * beside the fields of the form given (`into`). */
export function useFailure() {
  const error = ref('')
  function fail(e: unknown, into?: Ref<Record<string, string>>): void {
    if (e instanceof ApiError) {
      if (into) into.value = e.fields
      error.value = e.message
    } else error.value = e instanceof Error ? e.message : String(e)
  }
  return { error, fail }
}

export type ChecklistItem = { code: string; label: string }
/** The industry's inspection checklist, with every item marked passed to begin with. */
export async function checklist(industry: string): Promise<{ items: ChecklistItem[]; passed: Record<string, boolean> }> {
  const list = await ok(safety.GET('/checklists/{industry}', { params: { path: { industry: industry as any } } })) as Row
  const items = list.items as ChecklistItem[]
  return { items, passed: Object.fromEntries(items.map((i) => [i.code, true])) }
}

/** A checklist dialog (检查, 停产后复查): the enterprise it is open for (null: closed), the industry's items,
 * each item's result (all passed to begin with), the items failed, and a refusal's field messages. */
export function useChecklistDialog() {
  const row = ref<Row | null>(null)
  const items = ref<ChecklistItem[]>([])
  const results = ref<Record<string, boolean>>({})
  const errors = ref<Record<string, string>>({})
  const failed = computed(() => items.value.filter((i) => !results.value[i.code]))
  async function open(enterprise: Row): Promise<void> {
    ({ items: items.value, passed: results.value } = await checklist(enterprise.industry))
    errors.value = {}
    row.value = enterprise
  }
  return { row, items, results, errors, failed, open }
}
