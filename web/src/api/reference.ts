// The county's reference data (townships, villages, departments), from the volunteer service's public
// reference route; read once per page load.
import { reference as load, type Reference } from './publicVolunteer'

let cached: Promise<Reference> | null = null
export const reference = (): Promise<Reference> => (cached ??= load())
export type { Reference }
