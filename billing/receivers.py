"""Reactions to accounts' signals (accounts does not import billing)."""

from billing.services import subscription_start


def start_trial(sender, practice, **kwargs):
    subscription_start(practice=practice)
