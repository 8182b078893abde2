"""Every Dramatiq actor of the application; the worker imports this module."""

from satupintu import broker  # noqa: F401 - must come first: actors bind to the global broker
from satupintu.applications.tasks import notify_event
from satupintu.benchmarks.tasks import refresh_all_rollups, refresh_tenant_rollup
from satupintu.complaints.tasks import notify_escalation
from satupintu.onboarding.tasks import import_services
from satupintu.tenants.tasks import provision_tenant

__all__ = ["import_services", "notify_escalation", "notify_event", "provision_tenant", "refresh_all_rollups",
           "refresh_tenant_rollup"]
