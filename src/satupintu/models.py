"""Imports every domain's models, so that ``Base.metadata`` knows the whole schema."""

from satupintu.accounts.models import IdentityProvider, PlatformAccount, StaffAccount, WebSession
from satupintu.agencies.models import Agency, Counter, Holiday, Location
from satupintu.audit.models import AuditEntry
from satupintu.catalogue.models import TenantService
from satupintu.db import Base
from satupintu.onboarding.models import Invitation, JoinRequest, OnboardingState
from satupintu.tenants.models import Tenant, TenantPolicy

__all__ = [
    "Agency", "AuditEntry", "Base", "Counter", "Holiday", "IdentityProvider", "Invitation", "JoinRequest", "Location",
    "OnboardingState", "PlatformAccount",
    "StaffAccount", "Tenant", "TenantPolicy", "TenantService", "WebSession",
]
