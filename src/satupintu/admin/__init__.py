"""The tenant admin console at /{slug}/admin/, one module per concern.

Handlers read the form, call the domain service that makes the change (the same services the CLI,
the packs and the onboarding wizard use) and render. ``satupintu.handlers.submit`` is the one way
a form is handled: validated field by field, refused with 422 and nothing written, or saved and
written to the audit log in the same transaction. ``routes.router`` puts the console together under
one guard (tenant admins of this regency only) and one ``tenant`` dependency.
"""
