// 统一社会信用代码 (GB 32100-2015): 18 characters from the code's 31-symbol alphabet, the last a check
// character over the first 17 (weights 3^i mod 31). Checked as the operator types; the service checks again.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

/** null when valid, else the reason in Chinese. */
export function creditCodeProblem(raw: string): string | null {
  const code = raw.trim().toUpperCase()
  if (!code) return '请填写统一社会信用代码'
  const bad = [...code].find((c) => !ALPHABET.includes(c))
  if (bad) return `含无效字符“${bad}”（不使用 I、O、Z、S、V）`
  if (code.length !== 18) return `应为 18 位，当前 ${code.length} 位`
  if (!'123456789ANY'.includes(code[0]) || !/^[1-9]\d{6}$/.test(code.slice(1, 8))) return '结构无效（登记管理部门、机构类别或行政区划码）'
  const sum = WEIGHTS.reduce((acc, w, i) => acc + ALPHABET.indexOf(code[i]) * w, 0)
  const check = ALPHABET[(31 - (sum % 31)) % 31]
  return code[17] === check ? null : '校验位不正确，请核对'
}
