"""Online booking and the wait-list: what patients do on the practice's public pages, and the
settings and approvals staff give it. Calls only the public services of `scheduling` (rules,
sessions) and `patients`; the calendar reaches it through `scheduling.signals`."""
