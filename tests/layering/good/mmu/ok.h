/* Fixture: a private header beside its user. */
