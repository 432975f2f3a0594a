-- The service's own database beside Temporal's (temporal, temporal_visibility).
CREATE DATABASE sso_provisioning;
