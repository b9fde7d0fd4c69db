"""Operations (issue 18): what the processes report about themselves. Imports no core/."""
