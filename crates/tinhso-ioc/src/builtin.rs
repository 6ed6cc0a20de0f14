//! The built-in dashboards of the platform, installed at start when missing
//! (an edited one is kept). Their SQL reads the demo province's datasets; a
//! province without a dataset sees that panel's error, the others work.

/// The definitions (YAML), in display order.
pub const DASHBOARDS: &[&str] = &[
    include_str!("../dashboards/tong-quan-cds.yaml"),
    include_str!("../dashboards/giam-sat-tthc.yaml"),
    include_str!("../dashboards/chat-luong-du-lieu.yaml"),
    include_str!("../dashboards/nganh.yaml"),
    include_str!("../dashboards/du-an-cntt.yaml"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dashboard;

    #[test]
    fn every_builtin_dashboard_is_valid_and_unique() {
        let mut slugs = std::collections::HashSet::new();
        for text in DASHBOARDS {
            let d = Dashboard::parse(text).unwrap_or_else(|e| panic!("{}", e.en));
            assert!(slugs.insert(d.slug.clone()));
        }
    }
}
