//! The typed components of a ChittyID, one file each, and the [`Segment`] names used in
//! errors.

mod entity;
mod fallback;
mod jurisdiction;
mod region;
mod segment;
mod trust;
mod year_month;

pub use entity::EntityType;
pub use fallback::FallbackCode;
pub use jurisdiction::Jurisdiction;
pub use region::Region;
pub use segment::Segment;
pub use trust::TrustLevel;
pub use year_month::YearMonth;
