// The services' clients, typed by the generated schemas (scripts/gen-api.mjs).
import type { paths as Petition } from './schema/petition'
import type { paths as Volunteer } from './schema/volunteer'
import type { paths as Safety } from './schema/safety'
import type { paths as Reporting } from './schema/reporting'
import type { paths as Liaison } from './schema/liaison'
import { serviceClient } from './http'

export const petition = serviceClient<Petition>('/petition')
export const volunteer = serviceClient<Volunteer>('/volunteer')
export const safety = serviceClient<Safety>('/safety')
export const reporting = serviceClient<Reporting>('/reporting')
export const liaison = serviceClient<Liaison>('/liaison')
/** Citizens' pages: no session, so no refresh on 401. */
export const petitionPublic = serviceClient<Petition>('/petition', { retryOn401: false })
export const volunteerPublic = serviceClient<Volunteer>('/volunteer', { retryOn401: false })
