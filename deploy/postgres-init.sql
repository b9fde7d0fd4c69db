-- The core store uses the database named by POSTGRES_DB; Rasa keeps its trackers apart.
CREATE DATABASE rasa;
