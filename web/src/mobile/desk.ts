// What the signed-in phone desks (the cadre's 驻村 desk, the team's 接单 desk) share: one action at a
// time with its outcome (a done line, or the service's message and its field messages), and the
// confirmation before a write.
import { ref } from 'vue'
import { showConfirmDialog } from 'vant'
import 'vant/es/dialog/style'
import { ApiError } from '../api/http'

export function useDesk(confirmTitle: string) {
  const error = ref('')
  const done = ref('')
  const errors = ref<Record<string, string>>({})
  const busy = ref(false)

  /** Runs `fn`; afterwards `done` holds `message`, or `error`/`errors` what the service refused. */
  async function run(fn: () => Promise<unknown>, message: string): Promise<void> {
    error.value = ''; done.value = ''; errors.value = {}; busy.value = true
    try { await fn(); done.value = message } catch (e) {
      if (e instanceof ApiError) { error.value = e.message; errors.value = e.fields } else error.value = e instanceof Error ? e.message : String(e)
    } finally { busy.value = false }
  }
  /** The confirmation before a write; false when cancelled. */
  async function confirmed(message: string): Promise<boolean> {
    try { await showConfirmDialog({ title: confirmTitle, message, confirmButtonText: '确认', cancelButtonText: '取消' }); return true } catch { return false }
  }
  return { error, done, errors, busy, run, confirmed }
}
