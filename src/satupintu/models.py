"""Imports every domain's models, so that ``Base.metadata`` knows the whole schema."""

from satupintu.accounts.models import IdentityProvider, PlatformAccount, StaffAccount, WebSession
from satupintu.agencies.models import Agency, Counter, Holiday, Location
from satupintu.applications.models import Application, ApplicationDocument, ApplicationEvent
from satupintu.applications.bundles import Bundle
from satupintu.applications.delivery import Delivery
from satupintu.applications.permits import Permit
from satupintu.applications.villages import Village, VillageOperator
from satupintu.audit.models import AuditEntry
from satupintu.benchmarks.models import (BenchmarkPoint, BenchmarkRollup, MonthlyOperations,
                                         ServiceEvaluation, SurveyResult)
from satupintu.catalogue.models import TenantService
from satupintu.complaints.models import Complaint, ComplaintBreach, ComplaintCategory, ComplaintEvent
from satupintu.db import Base
from satupintu.knowledge.models import ModuleProgress, QuizAttempt
from satupintu.onboarding.models import Invitation, JoinRequest, OnboardingState
from satupintu.open311.models import ApiKey
from satupintu.periodic import ScheduledRun
from satupintu.queue.models import (Booking, BookingSlot, CounterGroup, Desk, NumberSequence, QueueSettings,
                                    ServiceQueueRule, Ticket)
from satupintu.survey.models import SurveyResponse
from satupintu.tenants.models import Tenant, TenantPolicy
from satupintu.transfer.models import Innovation, Mou, PublicInnovation, Replication, StudyVisit

__all__ = [
    "Agency", "ApiKey", "Application", "ApplicationDocument", "ApplicationEvent", "AuditEntry", "Base", "Bundle", "Counter", "Delivery", "Holiday", "IdentityProvider", "Invitation", "JoinRequest", "Location",
    "OnboardingState", "Permit", "PlatformAccount",
    "StaffAccount", "Tenant", "TenantPolicy", "Village", "VillageOperator", "TenantService", "WebSession",
    "BenchmarkPoint", "BenchmarkRollup", "MonthlyOperations", "ServiceEvaluation", "SurveyResult",
    "ScheduledRun", "ModuleProgress", "QuizAttempt", "Innovation", "Mou", "PublicInnovation", "Replication", "StudyVisit",
    "Complaint", "ComplaintBreach", "ComplaintCategory", "ComplaintEvent",
    "Booking", "BookingSlot", "CounterGroup", "Desk", "NumberSequence", "QueueSettings", "ServiceQueueRule", "Ticket",
    "SurveyResponse",
]
