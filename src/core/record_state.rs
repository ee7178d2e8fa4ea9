//! Where a sale stands in its life at the till, as the journal keeps it
//! (apart from the record, so a failed create's problem can name it).

/// Where a sale stands in its life at the till.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordState {
    /// The create was about to be sent: the gateway may or may not have the invoice.
    Creating,
    /// The gateway made the invoice.
    Created,
    /// The create failed, or a restart found the gateway never made it.
    NotCreated,
    /// The gateway cannot be asked whether it made the invoice: outcome unknown.
    Unknown,
}

impl RecordState {
    pub fn name(self) -> &'static str {
        match self {
            RecordState::Creating => "creating",
            RecordState::Created => "created",
            RecordState::NotCreated => "not_created",
            RecordState::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<RecordState> {
        [RecordState::Creating, RecordState::Created, RecordState::NotCreated, RecordState::Unknown]
            .into_iter()
            .find(|r| r.name() == s)
    }
}
