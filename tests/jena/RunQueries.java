// Runs every .rq file of a folder with Apache Jena ARQ over one RDF file, loaded once, for the cross-engine
// test of the saved questions (tests/arq.py). SELECT and ASK answers are written as SPARQL JSON (NAME.srj),
// CONSTRUCT and DESCRIBE graphs as N-Triples (NAME.nt); a query ARQ refuses gets NAME.error with the reason.
//
//     java -cp JENA_CLASSPATH RunQueries.java DATA.nt QUERY_DIR
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.apache.jena.query.Query;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QueryExecutionFactory;
import org.apache.jena.query.QueryFactory;
import org.apache.jena.query.ResultSetFormatter;
import org.apache.jena.query.Syntax;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;

public class RunQueries {
    public static void main(String[] args) throws Exception {
        Model model = RDFDataMgr.loadModel(args[0], Lang.NTRIPLES);
        Path folder = Path.of(args[1]);
        List<Path> queries;
        try (Stream<Path> files = Files.list(folder)) {
            queries = files.filter(path -> path.toString().endsWith(".rq")).sorted().toList();
        }
        for (Path path : queries) {
            String name = path.getFileName().toString().replaceFirst("\\.rq$", "");
            try {
                run(model, Files.readString(path, StandardCharsets.UTF_8), folder, name);
            } catch (RuntimeException error) {
                Files.writeString(folder.resolve(name + ".error"), String.valueOf(error), StandardCharsets.UTF_8);
            }
        }
    }

    private static void run(Model model, String text, Path folder, String name) throws Exception {
        Query query = QueryFactory.create(text, Syntax.syntaxSPARQL_11);
        boolean rows = query.isSelectType() || query.isAskType();
        try (QueryExecution execution = QueryExecutionFactory.create(query, model);
                OutputStream out = Files.newOutputStream(folder.resolve(name + (rows ? ".srj" : ".nt")))) {
            if (query.isSelectType()) {
                ResultSetFormatter.outputAsJSON(out, execution.execSelect());
            } else if (query.isAskType()) {
                ResultSetFormatter.outputAsJSON(out, execution.execAsk());
            } else if (query.isConstructType()) {
                RDFDataMgr.write(out, execution.execConstruct(), Lang.NTRIPLES);
            } else {
                RDFDataMgr.write(out, execution.execDescribe(), Lang.NTRIPLES);
            }
        }
    }
}
