import GatehouseCore

// Scaffolding: every Auth operation answers 501 until issue #3 implements it.
extension GatehouseService {
    /// GET /.well-known/jwks.json
    func getWellKnownJwks(_ input: Operations.GetWellKnownJwks.Input) async throws -> Operations.GetWellKnownJwks.Output {
        throw GatehouseError(.notImplemented, "GET /.well-known/jwks.json is not implemented yet.")
    }

    /// POST /api/v2/auth/signup
    func authSignup(_ input: Operations.AuthSignup.Input) async throws -> Operations.AuthSignup.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/auth/signup is not implemented yet.")
    }

    /// POST /api/v2/auth/login
    func authLogin(_ input: Operations.AuthLogin.Input) async throws -> Operations.AuthLogin.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/auth/login is not implemented yet.")
    }

    /// POST /api/v2/auth/refresh
    func authRefresh(_ input: Operations.AuthRefresh.Input) async throws -> Operations.AuthRefresh.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/auth/refresh is not implemented yet.")
    }

    /// GET /api/v2/auth/me
    func authMe(_ input: Operations.AuthMe.Input) async throws -> Operations.AuthMe.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/auth/me is not implemented yet.")
    }

    /// POST /api/v2/auth/logout
    func authLogout(_ input: Operations.AuthLogout.Input) async throws -> Operations.AuthLogout.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/auth/logout is not implemented yet.")
    }

    /// POST /api/v2/auth/forgot-password
    func authForgotPassword(_ input: Operations.AuthForgotPassword.Input) async throws -> Operations.AuthForgotPassword.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/auth/forgot-password is not implemented yet.")
    }

    /// POST /api/v2/auth/reset-password
    func authResetPassword(_ input: Operations.AuthResetPassword.Input) async throws -> Operations.AuthResetPassword.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/auth/reset-password is not implemented yet.")
    }

    /// POST /api/v2/auth/verify-email
    func authVerifyEmail(_ input: Operations.AuthVerifyEmail.Input) async throws -> Operations.AuthVerifyEmail.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/auth/verify-email is not implemented yet.")
    }

    /// POST /api/v2/auth/magic-link/request
    func authMagicLinkRequest(_ input: Operations.AuthMagicLinkRequest.Input) async throws -> Operations.AuthMagicLinkRequest.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/auth/magic-link/request is not implemented yet.")
    }

    /// POST /api/v2/auth/magic-link/verify
    func authMagicLinkVerify(_ input: Operations.AuthMagicLinkVerify.Input) async throws -> Operations.AuthMagicLinkVerify.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/auth/magic-link/verify is not implemented yet.")
    }

    /// GET /api/v2/auth/magic-link
    func authMagicLinkPage(_ input: Operations.AuthMagicLinkPage.Input) async throws -> Operations.AuthMagicLinkPage.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/auth/magic-link is not implemented yet.")
    }

    /// POST /api/v2/auth/magic-link
    func authMagicLinkPageSubmit(_ input: Operations.AuthMagicLinkPageSubmit.Input) async throws -> Operations.AuthMagicLinkPageSubmit.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/auth/magic-link is not implemented yet.")
    }

    /// POST /api/v2/auth/setup-password
    func authSetupPassword(_ input: Operations.AuthSetupPassword.Input) async throws -> Operations.AuthSetupPassword.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/auth/setup-password is not implemented yet.")
    }
}
