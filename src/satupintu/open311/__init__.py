"""Open311 GeoReport v2 for other systems: a regency's complaint categories as services and its
complaints as service requests at ``/{slug}/open311/v2/``, in XML and JSON, and the API keys that
let a system file a request."""
