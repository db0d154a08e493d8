// The lifecycle of an item: open → under_review → decided → closed, or dismissed (with a reason) from
// open or under_review; closed and dismissed items can be reopened. Pure rules, no storage.
import { ItemError, STATUS_LABELS, type Action, type Status } from './model'

interface Rule { from: readonly Status[]; to: Status }

export const TRANSITIONS: Record<Action, Rule> = {
  review: { from: ['open'], to: 'under_review' },
  decide: { from: ['under_review'], to: 'decided' },
  dismiss: { from: ['open', 'under_review'], to: 'dismissed' },
  close: { from: ['decided'], to: 'closed' },
  reopen: { from: ['closed', 'dismissed'], to: 'open' },
}

/** The status an action leads to from `status`; throws a 400 ItemError saying what is allowed instead. */
export function nextStatus(status: Status, action: Action): Status {
  const rule = TRANSITIONS[action]
  if (!rule.from.includes(status)) {
    const possible = (Object.keys(TRANSITIONS) as Action[]).filter((a) => TRANSITIONS[a].from.includes(status))
    throw new ItemError(400, `cannot ${action} an item that is ${status} (${STATUS_LABELS[status]}): ${action} needs status ${rule.from.join(' or ')}; possible now: ${possible.join(', ') || 'none'}`)
  }
  return rule.to
}
