//! Boot timelines: `Boot`, phases, milestones and outcomes, assembled from events.
