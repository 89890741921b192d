"""Reactions to accounts' signals (accounts does not import billing)."""


def start_trial(sender, practice, **kwargs):
    from billing.services import subscription_start

    subscription_start(practice=practice)
