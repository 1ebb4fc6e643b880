//! The hostile-input corpus and proptest (to come).
