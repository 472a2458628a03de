/// Account errors the API maps to answers.
public enum AccountError: Error, Sendable {
    case emailTaken
}
