//! Test support shared by the workspace's tests, so that each scenario has one copy:
//! calls of any kind driven through one loop ([`calls`]), distinct IDs ([`ids`]), and,
//! with the `net` feature, a hostile ID service ([`hostile`]) and a TCP connector for
//! the embassy adapter's host tests ([`tcp`]).

pub mod calls;
#[cfg(feature = "net")]
pub mod hostile;
pub mod ids;
#[cfg(feature = "net")]
pub mod tcp;
