"""Events other apps may react to without the learning code knowing them."""

from django.dispatch import Signal

# Sent after the transaction that recorded the completion commits.
# Arguments: completion_id (int), enrollment_id (int), learner_id (int), course_id (int).
course_completed = Signal()
