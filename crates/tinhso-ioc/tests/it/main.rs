//! Integration tests of the IOC dashboards.
