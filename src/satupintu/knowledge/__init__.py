"""Knowledge transfer: the modules in ``onboarding/modules`` and each staff member's progress."""
