//! The service's endpoints ([`Endpoint`]) and the engine's per-endpoint table
//! ([`Endpoints`]), indexed by the endpoint rather than by a number.

/// The service endpoint a call is for; each has its own breaker and statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Endpoint {
    /// Minting.
    Mint = 0,
    /// Validation.
    Validate = 1,
    /// Health checks.
    Health = 2,
}

impl Endpoint {
    /// All endpoints, in table order.
    pub const ALL: [Endpoint; 3] = [Endpoint::Mint, Endpoint::Validate, Endpoint::Health];

    /// The endpoint's place in a per-endpoint table ([`Endpoint::ALL`] order): the one
    /// place that turns an endpoint into an index.
    pub const fn index(self) -> usize {
        match self {
            Endpoint::Mint => 0,
            Endpoint::Validate => 1,
            Endpoint::Health => 2,
        }
    }

    /// The endpoint's name.
    pub const fn name(self) -> &'static str {
        match self {
            Endpoint::Mint => "mint",
            Endpoint::Validate => "validate",
            Endpoint::Health => "health",
        }
    }
}

/// One value per endpoint (the engine's breakers), looked up by [`Endpoint`].
#[derive(Debug, Clone)]
pub(super) struct Endpoints<T>([T; 3]);

impl<T> Endpoints<T> {
    /// The table with `value(endpoint)` for each endpoint.
    pub(super) fn new(value: impl FnMut(Endpoint) -> T) -> Endpoints<T> {
        Endpoints(Endpoint::ALL.map(value))
    }

    /// The endpoint's value.
    pub(super) fn get(&self, endpoint: Endpoint) -> &T {
        &self.0[endpoint.index()]
    }

    /// The endpoint's value, to change.
    pub(super) fn get_mut(&mut self, endpoint: Endpoint) -> &mut T {
        &mut self.0[endpoint.index()]
    }

    /// `f` of each endpoint's value, in [`Endpoint::ALL`] order.
    pub(super) fn map<U>(&self, f: impl FnMut(&T) -> U) -> [U; 3] {
        self.0.each_ref().map(f)
    }
}
