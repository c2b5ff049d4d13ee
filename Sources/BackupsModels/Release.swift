/// bkup's version: the one place it is written. `--version` and the REPL's banner (BkupKit), the
/// `User-Agent` of every request and the `"by"` of plan files (BackupsClient) all read it here, the
/// module every other one depends on.
public enum BkupRelease {
    public static let version = "0.2.0"
    /// What requests carry as their User-Agent.
    public static var userAgent: String { "bkup/\(version)" }
    /// Who made a plan file, as it says.
    public static var madeBy: String { "bkup \(version)" }
}
