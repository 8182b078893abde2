"""Imports every domain's models, so that ``Base.metadata`` knows the whole schema."""

from satupintu.agencies.models import Agency, Counter, Location
from satupintu.catalogue.models import TenantService
from satupintu.db import Base
from satupintu.tenants.models import Tenant, TenantPolicy

__all__ = ["Agency", "Base", "Counter", "Location", "Tenant", "TenantPolicy", "TenantService"]
