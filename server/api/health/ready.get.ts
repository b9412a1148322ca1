import { readiness } from '../../infra/health'

/** Readiness: 200 when this instance should get traffic; 503 while draining or without its database. */
export default defineEventHandler(async (event) => {
  const state = await readiness()
  if (!state.ready) setResponseStatus(event, 503)
  return state
})
