"""The fixed sentences every channel adds, whatever fails behind it (bot/rasa/channels/guard.py); in the review packet."""

DISCLAIMER = ("I am an automated assistant. I do not replace your doctor or nurse, and I am not for emergencies: "
              "in an emergency, call {emergency_number}.")
EMPTY = ("I didn't receive any words. Please type your question, or tell me how you feel. "
         "In an emergency, call {emergency_number}.")
NO_ANSWER = ("I'm sorry, I can't answer that right now. Please call the clinic at {number}. "
             "If this is an emergency, call {emergency_number} now.")
TOO_FAST = ("You are sending messages faster than I can answer: please wait a minute, then send one message. "
            "To talk to someone now, call the clinic at {number}. If this is an emergency, call {emergency_number} now.")
CUT_SHORT = ("Your message was very long, so I read only its beginning and its end. "
             "If this is an emergency, call {emergency_number} now.")
ONE_AT_A_TIME = ("I am still answering your earlier messages: please send one message at a time. To talk to someone now, "
                 "call the clinic at {number}. If this is an emergency, call {emergency_number} now.")
