import ClusterModel
import Compiler
import Manifests

/// Reads every manifest, keeps every valid object, and reports every problem (not only the first).
enum ManifestLoading {
    struct Result {
        var cluster: ClusterState
        var notes: [String]
        var errors: [String]
    }

    static func load(paths: [String]) -> Result {
        var builder = ClusterBuilder()
        var notes: [String] = [], errors: [String] = []
        for path in paths {
            let documents: [ManifestDocument]
            do {
                documents = try ManifestReader.read(paths: [path])
            } catch {
                errors.append(error.description)
                continue
            }
            for document in documents {
                do {
                    switch try document.decode() {
                    case .skipped(let kind): notes.append("\(document.source): skipping \(kind)")
                    case .object(let object): try builder.add(object)
                    }
                } catch let error as ManifestError {
                    errors.append(error.description)
                } catch {
                    errors.append("\(document.source): \(error)")
                }
            }
        }
        return Result(cluster: builder.state, notes: notes, errors: errors)
    }
}
