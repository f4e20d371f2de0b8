"""FieldTwin: an open digital twin of a field-service operation."""
